@search
Feature: Example tables with empty cells

  Scenario Outline: Searching with an empty value (<why>)
    Given I am signed in as a receptionist
    When I search for the patient with NHS number "<nhs number>"
    Then I am told the NHS number is not valid

    Examples:
      | why   | nhs number |
      | empty |            |
      |       | 12345      |
