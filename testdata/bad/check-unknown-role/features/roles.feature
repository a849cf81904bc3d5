@search
Feature: Roles

  Scenario: A role the fixture users do not have
    Given I am signed in as a surgeon
    When I search for patients named "Pond"
    Then 1 patient is found
