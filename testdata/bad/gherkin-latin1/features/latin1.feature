@search
Feature: Finding a patient

  Scenario: Finding Renée by name
    Given I am signed in as a receptionist
    When I search for patients named "Pond"
