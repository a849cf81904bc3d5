Feature: Each scenario starts from an empty archive
  Between scenarios the harness runs reset.lua through Orthanc's REST API
  (POST /tools/execute-script), deleting every patient and study. The
  second scenario proves it when it runs after the first on the same
  Orthanc, as it does with one worker (the default); with more workers it
  may run on another Orthanc and then proves less.

  @regression
  Scenario: A patient is loaded for one scenario
    Given the patient "Priya Nandakumar" is registered
    When I search for patients named "Nandakumar"
    Then the search results include "Priya Nandakumar"
    And 1 patient is found

  @regression
  Scenario: The next scenario no longer finds them
    Given the patient "Amelia Carver" is registered
    When I search for patients named "Nandakumar"
    Then no patient is found
