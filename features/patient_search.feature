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

  @hazard:H-020 @control:C-013
  Scenario Outline: An NHS number that is not valid is refused (<reason>)
    When I search for the patient with NHS number "<nhs number>"
    Then I am told the NHS number is not valid

    Examples:
      | reason            | nhs number   |
      | wrong check digit | 999 000 0019 |
      | too short         | 12345        |

  Scenario: Finding a patient by name and date of birth
    When I search for patients named "Pond" born on "15/03/1987"
    Then 1 patient is found
    And the search results include "Amy Pond"

  Scenario: Finding patients by part of the name
    When I search for patients named "ond"
    Then 2 patients are found
    And the search results include "Brian Pond"

  Scenario: A date of birth that does not match finds nobody
    When I search for patients named "Pond" born on "16/03/1987"
    Then no patient is found

  @regression @defect:slow-search
  Scenario: The search answers promptly
    Then a search for the patient with NHS number "999 000 0018" answers within 3 seconds

  @regression @defect:search-drops-last
  Scenario: Results are listed ten to a page
    Given 25 patients with the family name "Smith" are registered
    When I search for patients named "Smith"
    Then 25 patients are found
    And 10 patients are listed on the page
    And the results show 1 to 10 of 25
    When I go to the next page of results
    Then 10 patients are listed on the page
    And the results show 11 to 20 of 25
    When I go to the next page of results
    Then 5 patients are listed on the page
    And the results show 21 to 25 of 25
    When I go to the previous page of results
    Then the results show 11 to 20 of 25

  Scenario Outline: More than 100 matches are not listed (<count> patients)
    Given <count> patients with the family name "Smith" are registered
    When I search for patients named "Smith"
    Then <outcome>

    Examples:
      | count | outcome                         |
      | 100   | 100 patients are found          |
      | 101   | I am asked to refine the search |

  Scenario: Refining a search with too many results
    Given 101 patients with the family name "Smith" are registered
    When I search for patients named "Smith"
    Then I am asked to refine the search
    When I search for patients named "Smith" born on "01/01/1960"
    Then 1 patient is found

  Scenario: Finding a patient with the generic web steps
    When I click the "Find a patient" link
    Then I am on the "Find a patient" page
    When I fill in "Name" with "Pond"
    And I fill in "Date of birth" with "15/03/1987"
    And I click the "Search" button
    Then I see a message "1 patient found"
    And I see "1 patient found"
    And the "Search results" table has a row with "POND, Amy" and "999 000 0018"
    And I see a table row with:
      | Name          | POND, Amy    |
      | NHS number    | 999 000 0018 |
      | Date of birth | 15-Mar-1987  |
    And I do not see "POND, Brian"

  Scenario: An impossible date of birth is refused, with the generic web steps
    When I click the "Find a patient" link
    And I fill in "Name" with "Pond"
    And I fill in "Date of birth" with "31/02/1987"
    And I click the "Search" button
    Then I see an alert "Enter a real date of birth, for example 15/03/1987"
    And I do not see "patient found"

  @hazard:H-001 @defect:dob-clock-change @control:C-002
  Scenario: A date of birth in British Summer Time is shown as registered
    Given the patient "Clara Oswald" is registered
    When I search for "Clara Oswald"
    And I open the record of "Clara Oswald"
    Then the patient banner shows the date of birth "10-Aug-2024"
