@observations
Feature: Observations

  Scenario: A role the users file leaves out
    Given the patient "Amy Pond" is registered
    And I am signed in as a nurse
    When I search for the patient with NHS number "999 000 0018"
    Then 1 patient is found
