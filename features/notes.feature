@notes
Feature: Clinical notes
  Doctors and nurses write clinical notes as drafts and sign them. A signed
  note changes only by amendment, with a reason, and the note keeps every
  earlier version (hazard H-022: a clinical note changed without trace).
  Receptionists see no clinical content, notes included (hazard H-023:
  clinical information disclosed to staff without a clinical role).

  Background:
    Given the patient "Amy Pond" is registered

  @smoke @hazard:H-022
  Scenario: A doctor writes and signs a note
    Given I am signed in as a doctor
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I write a clinical note "Chest clear. Review in 2 weeks."
    And I sign the note
    Then the note reads "Chest clear. Review in 2 weeks."
    And the note history shows 1 version

  @regression @hazard:H-022
  Scenario: An amended note keeps its history
    Given I am signed in as a nurse
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I write a clinical note "Wound dressed. Review in 2 days."
    And I sign the note
    And I amend the note to "Wound dressed. Review in 3 days." because "wrong review interval"
    Then the note reads "Wound dressed. Review in 3 days."
    And the note history shows 2 versions

  @regression @hazard:H-023 @defect:receptionist-notes
  Scenario: A receptionist cannot open clinical notes
    Given I am signed in as a receptionist
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then the receptionist cannot open clinical notes
