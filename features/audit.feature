@audit
Feature: The audit log
  Every view of a record and every change records who did what, to which
  patient and when. Administrators search the log in the EPR and read it
  through its API; nobody else can open it.

  @smoke
  Scenario: An administrator finds who viewed a record
    Given the patient "Amy Pond" is registered
    And I am signed in as a clinician
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I am signed in as an admin
    And I search the audit log for "Amy Pond"
    Then the audit log shows that "dr.patel" viewed the record
    And "dr.patel" viewed the record of "Amy Pond" according to the audit API

  @regression
  Scenario: Amending a note is audited
    Given the patient "Amy Pond" is registered
    And I am signed in as a clinician
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I write a clinical note "Chest clear."
    And I sign the note
    And I amend the note to "Chest clear bilaterally." because "incomplete"
    And I am signed in as an admin
    And I search the audit log for "Amy Pond"
    Then the audit log shows that "dr.patel" amended a note
    And the audit log shows that "dr.patel" signed a note

  @regression
  Scenario Outline: Only an administrator can open the audit log (<role>)
    Given I am signed in as a <role>
    Then I cannot open the audit log

    Examples:
      | role         |
      | receptionist |
      | nurse        |
      | doctor       |
