@search
Feature: A file saved with a byte-order mark

  Scenario: A role the fixtures do not have
    Given I am signed in as a surgeon
