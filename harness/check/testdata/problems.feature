@allergies
Feature: A scenario with one of each problem

  Background:
    Given the patient "Amy Pond" is registered
    And I am signed in as a nurse

  Scenario: Undefined and ambiguous steps
    When I serch for "Amy Pond"
    And the patient’s address is hidden
    And I fly to the moon
    Then 2 patients are found

  Scenario: Unknown patients and roles
    Given the patient "Amy Pund" is registered
    And I am signed in as a doctr
    When the surgeon opens the record of "Amy Pond"
    And I open the record of "Rose Tyler"

  Scenario: A patient registered through the form may be named
    When I register a patient:
      | NHS number    | 999 000 2010 |
      | given name    | Rose         |
      | family name   | Tyler        |
      | date of birth | 1986-01-14   |
    Then I see the record of the new patient
    When I open the record of "Rose Tyler"

  Scenario Outline: An outline row with an unknown patient (<who>)
    When I open the record of "<who>"

    Examples:
      | who          |
      | Amy Pond     |
      | Donna Nobel  |

  @wip
  Rule: Rules carry tags too
    Scenario: A rule's scenario inherits the feature's tag
      Then no patient is found
