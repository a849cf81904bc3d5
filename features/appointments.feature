@appointments
Feature: Booking hospital outpatient appointments
  A GP practice books a hospital outpatient slot for their patient, as in
  the GP-to-hospital booking systems: choose a clinic, take one of its free
  slots, and later reschedule or cancel it. A slot holds one patient: when
  two users go for the same slot, the second is told it is no longer
  available. The clinical clock is Monday 1 June 2026, so the first free
  slots are on Tuesday 2 June ("tomorrow").

  Background:
    Given the patient "Amy Pond" is registered
    And I am signed in as a GP practice user

  @smoke
  Scenario: A GP practice books the first free slot of a clinic
    When I book the first free "Cardiology" slot for "Amy Pond"
    Then "Amy Pond" has an appointment in "Cardiology" on "tomorrow 09:00"

  Scenario: A GP practice books a slot with the generic web steps
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I click the "Book an appointment" link
    Then I am on the "Book an appointment" page
    When I choose "Cardiology" from "Clinic"
    And I click the "Show free slots" button
    Then I see the heading "Free slots in Cardiology"
    And the "Free slots" table has a row with "Tue 2 Jun 2026 09:00", "Cardiology" and "Outpatients B, Level 2"
    When I click the "Select Tue 2 Jun 2026 09:00" link
    Then I am on the "Check the appointment" page
    When I click the "Book appointment" button
    Then I see a message "Appointment booked"
    And "Amy Pond" has an appointment in "Cardiology" on "today+1 09:00"

  @hazard:H-010 @defect:double-booking
  Scenario: A slot that is already booked cannot be booked again
    When I book the first free "Cardiology" slot for "Amy Pond"
    And another user tries to book the same slot
    Then the booking is refused because the slot is taken

  @hazard:H-010 @defect:double-booking
  Scenario: Two users racing for one slot: the second is refused
    Given the patient "Rory Williams" is registered
    And I have chosen the first free "Dermatology" slot for "Amy Pond"
    When another user books the same slot for "Rory Williams"
    And I confirm the booking
    Then the booking is refused because the slot is taken
    And "Amy Pond" has no appointment in "Dermatology" on "2026-06-03 14:00"

  Scenario: Rescheduling moves the appointment to the next free slot
    Given I book the first free "Trauma and orthopaedics" slot for "Amy Pond"
    When I reschedule the appointment to the next free slot
    Then "Amy Pond" has an appointment in "Trauma and orthopaedics" on "2026-06-02 10:15"
    And "Amy Pond" has no appointment in "Trauma and orthopaedics" on "2026-06-02 10:00"

  Scenario: Cancelling frees the slot for someone else
    Given the patient "Rory Williams" is registered
    And I book the first free "Cardiology" slot for "Amy Pond"
    When I cancel the appointment
    Then "Amy Pond" has no appointment in "Cardiology" on "2026-06-02 09:00"
    When I book the first free "Cardiology" slot for "Rory Williams"
    Then "Rory Williams" has an appointment in "Cardiology" on "2026-06-02 09:00"

  Scenario: Changing one's mind at the cancellation prompt keeps the appointment
    Given I book the first free "Cardiology" slot for "Amy Pond"
    When I start to cancel the appointment but keep it
    Then "Amy Pond" has an appointment in "Cardiology" on "2026-06-02 09:00"

  Scenario: A receptionist sees and manages the appointments a GP booked
    Given I book the first free "Cardiology" slot for "Amy Pond"
    When I sign out
    And I am signed in as a receptionist
    Then "Amy Pond" has an appointment in "Cardiology" on "2026-06-02 09:00"
    When the receptionist cancels the appointment
    Then "Amy Pond" has no appointment in "Cardiology" on "2026-06-02 09:00"
