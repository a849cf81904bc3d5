@search
Feature: Finding a patient

  Background:
    Given the patient "Amy Pond" is registered
    And I am signed in as a receptionist

  Scenario: Finding a patient by NHS number
    When I search for the patient with NHS number "999 000 0018"
    Then 1 patient is found
    And the search results include "Amy Pond"
