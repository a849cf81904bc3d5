@search @issue:https://jira.example.nhs.uk/browse/EPR-123
Feature: Tags that carry URLs

  @see:https://example.nhs.uk/hazards?id=H-002#log @smoke
  Scenario: Tagged with a link
    Given the patient "Amy Pond" is registered
