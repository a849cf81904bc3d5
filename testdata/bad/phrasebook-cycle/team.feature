@session
Feature: Our own wording
  Scenario: Signing in
    Given that I'm logged in
