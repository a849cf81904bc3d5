@search
Feature: Patient search

  Scenario: Searching by family name
    Given I am signed in as a doctor
    When I search for patients named "Pond"
    Then 1 patient is found
