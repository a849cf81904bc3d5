Feature: Finding a patient's images in Orthanc Explorer
  A radiographer finds a patient in the image archive by NHS number (the
  DICOM PatientID) or by name, from Orthanc Explorer's patient list.

  Background:
    Given the patient "Tobias Fenwick" is registered
    And the patient "Harriet Fenwick" is registered
    And the patient "Amelia Carver" is registered

  @smoke
  Scenario: Find a patient by NHS number
    When I search for the patient with NHS number "999 004 2020"
    Then the search results include "Tobias Fenwick"
    And 1 patient is found

  @regression
  Scenario: Find patients by family name
    When I search for patients named "Fenwick"
    Then the search results include "Tobias Fenwick"
    And the search results include "Harriet Fenwick"
    And 2 patients are found

  @regression
  Scenario: A fixture patient is found by their own NHS number
    When I search for "Amelia Carver"
    Then the search results include "Amelia Carver"
    And 1 patient is found

  @regression
  Scenario: An unknown NHS number finds no patient
    When I search for the patient with NHS number "999 004 2055"
    Then no patient is found

  @regression
  Scenario: A patient not in the archive is not found by name
    When I search for patients named "Nandakumar"
    Then no patient is found

  @regression
  Scenario: A search by NHS number answers quickly
    Then a search for the patient with NHS number "999 004 2012" answers within 5 seconds
