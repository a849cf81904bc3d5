Feature: Booking an appointment

  Background:
    Given the patient "Amy Pond" is registered
    And I am signed in as a GP practice user

  Scenario: A slot that is already booked cannot be booked again
    When another user tries to book the same slot
