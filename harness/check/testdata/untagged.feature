Feature: No clinical-area tag

  @smoke
  Scenario: Only a smoke tag
    Given the patient "Amy Pond" is registered

  @search
  Scenario: Tagged with an area
    Given the patient "Amy Pond" is registered
