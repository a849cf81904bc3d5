Feature: Everyday screen affordances, with the generic web steps
  EPR front ends offer more than labelled fields and buttons: search boxes
  that say what to type only inside the box, tabs over a patient's
  details, date pickers, drop-down lists, toasts, and the browser's own
  "Are you sure?" prompt before throwing away unsaved text. These
  scenarios drive them on the reference EPR with the generic web steps
  only, as on an EPR with no adapter.

  Background:
    Given the patient "Amy Pond" is registered

  @search
  Scenario: A receptionist finds a patient with the search box's hint and a date of birth
    Given I am signed in as a receptionist
    When I click the "Find a patient" link
    And I fill in the field showing "Search patients by name" with "Pond"
    And I pick "15/03/1987" as "Date of birth"
    And I click the "Search" button
    Then I see a notification "1 patient found"
    And the "Search results" table has a row with "POND, Amy" and "999 000 0018"

  @registration
  Scenario: A receptionist checks the GP practice on its tab of the record
    Given I am signed in as a receptionist
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then I see "12 Leadworth Lane"
    When I select the "GP practice" tab
    Then I see "Not recorded"
    And I do not see "12 Leadworth Lane"
    When I select the "Demographics" tab
    Then I see "12 Leadworth Lane"

  @notes
  Scenario: A doctor discards an unsaved note after confirming
    Given I am signed in as a doctor
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I click the "Open clinical notes" link
    And I fill in "Note" with "Chest clear. Review in 2 weeks."
    And I accept the next dialog
    And I click the "Discard note" link
    Then the dialog said "Discard this note?"
    And I see a notification "Note discarded"
    And I see "No clinical notes recorded"

  @notes
  Scenario: A nurse keeps a note she nearly discarded
    Given I am signed in as a nurse
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I click the "Open clinical notes" link
    And I fill in "Note" with "Wound dressed. Review in 2 days."
    And I dismiss the next dialog
    And I click the "Discard note" link
    Then the dialog said "Discard this note?"
    When I click the "Save draft" button
    Then I see a notification "Draft note saved"
    And the note reads "Wound dressed. Review in 2 days."

  @appointments
  Scenario: A GP practice chooses a clinic from the list next to its name
    Given I am signed in as a GP practice user
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I click the "Book an appointment" link
    And I choose "Cardiology" from the list next to "Clinic"
    And I click the "Show free slots" button
    Then I see the heading "Free slots in Cardiology"

  @audit
  Scenario: An administrator narrows the audit log to today with the date pickers
    Given I am signed in as a doctor
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I am signed in as an admin
    And I click the "Audit log" link
    And I pick "today" as "From"
    And I pick "today" as "To"
    And I click the "Search" button
    Then I see a table row with "dr.patel", "Viewed record" and "999 000 0018"
