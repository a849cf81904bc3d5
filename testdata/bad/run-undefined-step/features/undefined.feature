@search
Feature: Undefined steps

  Scenario: A misspelt step
    Given I am signed in as a receptionist
    When I serch for "Amy Pond"
    Then 1 patient is found
