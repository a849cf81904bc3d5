@search
Feature: Broken Gherkin

  Scenario: A step outside any keyword
    Given the patient "Amy Pond" is registered
  This line is not Gherkin
    | a table | after prose |
