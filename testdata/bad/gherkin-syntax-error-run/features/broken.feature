@search
Feature: Broken
  Scenario: Search
    Given I am signed in as a receptionist
  This line is not Gherkin
    When I search for patients named "Pond"
