@search
Feature: Outline with an empty Examples table

  Scenario Outline: Finding a patient by NHS number
    Given I am signed in as a receptionist
    When I search for the patient with NHS number "<nhs number>"
    Then 1 patient is found

    Examples:
      | nhs number |
