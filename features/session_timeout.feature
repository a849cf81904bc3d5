@session @timeout
Feature: Signing out an idle session
  A signed-in screen left alone must not stay open for the next person.
  After 15 minutes without activity the EPR signs the user out; two
  minutes before that it warns them and lets them stay signed in.

  Background:
    Given I am signed in as a clinician

  Scenario: An idle session is signed out
    When I am idle for 15 minutes
    Then my session has ended

  Scenario: The user is warned and stays signed in
    When I am idle for 13 minutes
    Then I am warned that my session will end in 2 minutes
    When I choose to stay signed in
    And I am idle for 12 minutes
    Then I am shown as signed in as a clinician
