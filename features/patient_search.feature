@search
Feature: Finding a patient
  Reception and clinical staff find a patient by NHS number or by name
  before opening their record.

  Background:
    Given the patient "Amy Pond" is registered
    And the patient "Brian Pond" is registered
    And I am signed in as a receptionist

  @smoke
  Scenario Outline: Finding a patient by NHS number, written <how>
    When I search for the patient with NHS number "<nhs number>"
    Then 1 patient is found
    And the search results include "Amy Pond"

    Examples:
      | how            | nhs number   |
      | with spaces    | 999 000 0018 |
      | without spaces | 9990000018   |

  Scenario: Finding patients by family name
    When I search for patients named "Pond"
    Then 2 patients are found
    And the search results include "Amy Pond"
    And the search results include "Brian Pond"

  Scenario: Finding a patient by given and family name
    When I search for the patient named "Amy Pond"
    Then 1 patient is found
    And the search results include "Amy Pond"

  Scenario: Nobody is registered with that NHS number
    When I search for the patient with NHS number "999 000 0026"
    Then no patient is found

  Scenario Outline: An NHS number that is not valid is refused (<reason>)
    When I search for the patient with NHS number "<nhs number>"
    Then I am told the NHS number is not valid

    Examples:
      | reason            | nhs number   |
      | wrong check digit | 999 000 0019 |
      | too short         | 12345        |
