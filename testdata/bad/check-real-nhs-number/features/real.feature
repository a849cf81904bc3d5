@search
Feature: Real patient data

  Scenario: Searching for a real patient
    Given I am signed in as a receptionist
    When I search for the patient with NHS number "401 023 2137"
    Then no patient is found
