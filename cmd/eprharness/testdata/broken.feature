Feature: Broken
  Scenario: ok
    Given a step
  This line is not Gherkin
