@search
Feature: Outline with a missing column

  Background:
    Given I am signed in as a receptionist

  Scenario Outline: Finding a patient by NHS number, written <how>
    When I search for the patient with NHS number "<nhs number>"
    Then 1 patient is found

    Examples:
      | how         |
      | with spaces |
