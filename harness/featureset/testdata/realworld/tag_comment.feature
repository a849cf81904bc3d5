@search # the clinical area
Feature: A comment after tags

  @smoke # quick check, see the runbook
  Scenario: Tagged with a trailing comment
    Given the patient "Amy Pond" is registered
