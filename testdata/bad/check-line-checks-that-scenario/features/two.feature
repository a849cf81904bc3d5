@search
Feature: Two scenarios

  Scenario: Clean
    Given I am signed in as a receptionist
    When I search for patients named "Pond"
    Then 1 patient is found

  @wip
  Scenario: Misspelt
    Given I am signed in as a receptionist
    When I serch for "Amy Pond"
