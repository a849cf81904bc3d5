@search
Feature: Finding patients
  Written years ago for our old test tool; it runs as it is through
  phrasebook.yaml.

  Background:
    Given patient "Amy Pond" is on the system
    And patient "Brian Pond" is on the system

  Scenario: Finding a patient by NHS number
    Given that I'm logged in
    When I search for a patient with "9990000018"
    Then 1 result is shown
    And the following patients are found: "POND, Amy"

  Scenario: Reception finds a family by surname
    Given that I'm logged in as a receptionist
    When I search by surname "Pond"
    Then 2 results are shown
    And the following patients are found: "POND, Amy"
    And the following patients are found: "POND, Brian"
