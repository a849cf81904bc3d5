@search
Feature: Steps that start with And

  Background:
    And the patient "Amy Pond" is registered
    And I am signed in as a receptionist

  Scenario: And as the first step
    And I search for "Amy Pond"
    Then 1 patient is found
