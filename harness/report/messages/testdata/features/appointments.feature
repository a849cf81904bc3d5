@appointments
Feature: Booking appointments


  Scenario: Cancelling an appointment frees the slot
    Given I am logged in as "reception.lee"
    And the patient "999 000 0034" has an appointment at "09:30"
    When I cancel the appointment at "09:30"
    Then the "09:30" slot is free
  @manual
  Scenario: Booking a follow-up appointment
    Given I am logged in as "reception.lee"
    When I book a follow-up in 2 weeks
    Then the appointment appears in the diary

  @hazard:H-004
  Scenario: Rescheduling moves the appointment
    Given I am logged in as "reception.lee"
    When I move the appointment at "09:30" to "11:00"
    Then the diary shows the appointment at "11:00"
