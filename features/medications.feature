@medications
Feature: Prescribing and stopping medications
  Doctors prescribe with dose, route and frequency, and stop medications
  after confirming. A drug that conflicts with a recorded allergy is a hard
  stop: it can only be prescribed with a reason for overriding the warning.

  @smoke @hazard:H-003 @control:C-006
  Scenario: Amoxicillin for a penicillin-allergic patient is a hard stop
    Given the patient "Amy Pond" is allergic to penicillin with anaphylaxis
    And I am signed in as a doctor
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I prescribe "Amoxicillin" 500 mg orally three times a day
    Then I am warned that amoxicillin conflicts with the penicillin allergy
    When I try to override the allergy warning without a reason
    Then I am told a reason is needed to override the allergy warning
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then "Amoxicillin" is not prescribed

  @regression @hazard:H-003 @control:C-006
  Scenario Outline: <drug> conflicts with a penicillin allergy
    Given the patient "Donna Noble" is registered
    And I am signed in as a doctor
    When I search for "Donna Noble"
    And I open the record of "Donna Noble"
    And I prescribe "<drug>" <dose> orally three times a day
    Then I am warned that <drug> conflicts with the penicillin allergy

    Examples:
      | drug           | dose   |
      | Flucloxacillin | 500 mg |
      | Co-amoxiclav   | 625 mg |

  @regression @hazard:H-003 @control:C-007
  Scenario: The allergy warning can be overridden with a reason
    Given the patient "Amy Pond" is allergic to penicillin with rash
    And I am signed in as a doctor
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I prescribe "Amoxicillin" 500 mg orally three times a day
    Then I am warned that amoxicillin conflicts with the penicillin allergy
    When I override the allergy warning with the reason "Tolerated a full course of amoxicillin in 2024"
    Then the medications list shows "Amoxicillin" as active

  @smoke
  Scenario: A medication is prescribed and then stopped
    Given the patient "Rory Williams" is registered
    And I am signed in as a doctor
    When I search for "Rory Williams"
    And I open the record of "Rory Williams"
    And I prescribe "Paracetamol" 1 g orally four times a day
    Then the medications list shows "Paracetamol" as active
    When I stop "Paracetamol" because "Pain resolved"
    Then the medications list shows "Paracetamol" as stopped

  @access
  Scenario: A nurse records observations but cannot prescribe
    Given the patient "Rory Williams" is registered
    And I am signed in as a nurse
    When I search for "Rory Williams"
    And I open the record of "Rory Williams"
    Then the nurse cannot prescribe
    And the nurse can record observations
