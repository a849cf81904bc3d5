@search
Feature: Finding a patient

  Scenario: A patient the fixtures do not have
    Given I am signed in as a receptionist
    When I search for patients named "Pond"
    Then the search results include "Amy Pond"
