Feature: Booking an appointment

  Background:
    Given the patient "Amy Pond" is registered
    And I am signed in as a GP practice user

  Scenario: A GP practice books the first free slot of a clinic
    When I book the first free "Cardiology" slot for "Amy Pond"
