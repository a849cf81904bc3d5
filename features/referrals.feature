@referrals
Feature: GP referrals booked by the hospital, end to end
  A GP practice refers a patient to a hospital clinic with a FHIR message
  (a MessageHeader and a ServiceRequest). The referral appears on the
  hospital's booking worklist; a receptionist books a slot for it; the GP
  system hears of the booking, and of any cancellation, through a FHIR
  Subscription notification and the EPR's HL7 v2 scheduling feed. The
  clinical clock is Monday 1 June 2026, so the first free slots are on
  Tuesday 2 June ("tomorrow").

  Background:
    Given the patient "Amy Pond" is registered

  @smoke @hazard:H-031 @control:C-024
  Scenario: A GP referral appears on the hospital's booking worklist
    When the GP practice refers "Amy Pond" to "Cardiology" for "Chest pain on exertion"
    Then the EPR accepts the FHIR message
    And the EPR has an active referral for "Amy Pond" to "Cardiology"
    Given I am signed in as a receptionist
    Then the referral of "Amy Pond" to "Cardiology" is on the booking worklist
    And the referral of "Amy Pond" to "Cardiology" shows "Awaiting booking"
    And the referral of "Amy Pond" to "Dermatology" is not on the booking worklist

  @hazard:H-031 @control:C-023
  Scenario: The receptionist books the referral and the GP system is told
    Given the GP system subscribes to appointment notifications for "Amy Pond"
    And the GP practice refers "Amy Pond" to "Cardiology" for "Chest pain on exertion"
    And I am signed in as a receptionist
    When the receptionist books the referral of "Amy Pond" to "Cardiology"
    Then "Amy Pond" has an appointment in "Cardiology" on "tomorrow 09:00"
    And the referral of "Amy Pond" to "Cardiology" shows "Booked"
    And the GP system is notified that "Amy Pond"'s appointment is "booked"
    And the GP system receives an "SIU^S12" message for "Amy Pond"

  @hazard:H-031 @control:C-023
  Scenario: A cancellation by the hospital flows back to the GP system
    Given the GP system subscribes to appointment notifications for "Amy Pond"
    And the GP practice refers "Amy Pond" to "Cardiology" for "Chest pain on exertion"
    And I am signed in as a receptionist
    And the receptionist books the referral of "Amy Pond" to "Cardiology"
    When the receptionist cancels the appointment
    Then the GP system is notified that "Amy Pond"'s appointment is "cancelled"
    And the GP system receives an "SIU^S15" message for "Amy Pond"

  @hazard:H-031 @control:C-024
  Scenario: A referral the GP withdraws leaves the worklist
    Given the GP practice refers "Amy Pond" to "Cardiology" for "Chest pain on exertion"
    When the GP practice withdraws the referral of "Amy Pond" to "Cardiology"
    Then the EPR accepts the FHIR message
    And the EPR has no active referral for "Amy Pond" to "Cardiology"
    Given I am signed in as a receptionist
    Then the referral of "Amy Pond" to "Cardiology" shows "Withdrawn"

  @hazard:H-031 @control:C-024
  Scenario: A referral sent as a FHIR transaction is on the worklist too
    When the GP system posts the FHIR transaction "messages/referral-transaction.json" for "Amy Pond"
    Then the EPR accepts the FHIR message
    And the EPR has an active referral for "Amy Pond" to "Dermatology"
    Given I am signed in as a receptionist
    Then the referral of "Amy Pond" to "Dermatology" is on the booking worklist

  @hazard:H-031 @control:C-024
  Scenario: A referral to a clinic the hospital does not run is refused
    When the GP practice refers "Amy Pond" to "Astrology" for "Chest pain on exertion"
    Then the EPR rejects the FHIR message
    And the EPR has no active referral for "Amy Pond" to "Astrology"
