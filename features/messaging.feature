@messaging
Feature: HL7 v2 messages between the hospital's systems and the EPR
  The hospital's patient administration system (PAS) feeds the EPR HL7 v2
  ADT messages over MLLP: new patients, admissions, discharges and
  demographic updates. The EPR answers each with an acknowledgement: AA
  when it applied the message, AE or AR with an ERR segment saying why it
  did not. The EPR sends its own ADT feed, and a discharge summary, on to
  the GP system. Patients are identified by NHS number in PID-3, with the
  NHS as assigning authority.

  Background:
    Given the patient "Amy Pond" is registered

  @smoke @hazard:H-030 @control:C-020
  Scenario: A demographic update from the PAS reaches the patient banner
    When the PAS sends an "ADT^A08" message for "Amy Pond" with:
      | PID-5 | POND^Amelia |
    Then the EPR accepts the message
    Given I am signed in as a clinician
    When I search for the patient with NHS number "999 000 0018"
    And I click the "POND, Amelia" link
    Then the patient banner shows the name "POND, Amelia"

  @hazard:H-030 @control:C-020
  Scenario: A person added by the PAS can be found by NHS number
    When the PAS sends this "ADT^A28" message for "River Song":
      """
      MSH|^~\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A28^ADT_A05|{control_id}|P|2.5.1
      EVN|A28|{now}
      PID|1||{nhs_number}^^^NHS^NH||{family}^{given}||{birth_date}|{gender}
      """
    Then the EPR accepts the message
    Given I am signed in as a receptionist
    When I search for the patient with NHS number "999 000 5001"
    And I open the record of "River Song"
    Then the patient banner shows the name "SONG, River"

  @hazard:H-030 @control:C-020
  Scenario: An admission from the PAS takes the bed on the bed board
    When the PAS sends an "ADT^A01" message for "Amy Pond" with:
      | PV1-2 | I          |
      | PV1-3 | Ward 7^^3  |
    Then the EPR accepts the message
    Given I am signed in as a receptionist
    Then the bed board shows bed "3" on "Ward 7" occupied by "POND, Amy"

  @hazard:H-002 @control:C-021 @defect:adt-a08-drops-allergy
  Scenario: A demographic update does not drop the allergies recorded on the ward
    Given I am signed in as a clinician
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    And I record an allergy to "Penicillin" with reaction "Anaphylaxis" and severity "severe"
    When the PAS sends an "ADT^A08" message for "Amy Pond"
    Then the EPR accepts the message
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then the banner shows the allergy alert "Allergies: Penicillin (anaphylaxis)"

  @hazard:H-030 @control:C-020
  Scenario: A name in ISO 8859-1 keeps its accent
    When the PAS sends the message "messages/a31-latin1.hl7" for "Amy Pond"
    Then the EPR accepts the message
    Given I am signed in as a clinician
    When I search for the patient with NHS number "999 000 0018"
    And I click the "POND, Zoë" link
    Then the patient banner shows the name "POND, Zoë"

  @hazard:H-030 @control:C-020
  Scenario: In enhanced mode the EPR answers with a commit acknowledgement
    When the PAS sends this "ADT^A08" message for "Amy Pond":
      """
      MSH|^~\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A08^ADT_A01|{control_id}|P|2.5.1|||AL|NE
      EVN|A08|{now}
      PID|1||{nhs_number}^^^NHS^NH||{family}^{given}||{birth_date}|{gender}
      PV1|1|O
      """
    Then the EPR accepts the message
    And the acknowledgement's "MSA-1" is "CA"

  @hazard:H-030 @control:C-022
  Scenario: A message for a patient the EPR does not know is refused
    When the PAS sends an "ADT^A08" message for "Rory Williams" with:
      | PID-5 | WILLIAMS^Rory |
    Then the EPR rejects the message with "AE"
    And the acknowledgement's "ERR-3.1" is "204"
    And the acknowledgement says "Unknown key identifier"

  @hazard:H-030 @control:C-022
  Scenario: A message with a broken segment is rejected
    When the PAS sends this "ADT^A08" message for "Amy Pond":
      """
      MSH|^~\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A08^ADT_A01|{control_id}|P|2.5.1
      EVN|A08|{now}
      PV1|1|O
      """
    Then the EPR rejects the message with "AR"
    And the acknowledgement's "ERR-3.1" is "100"

  @hazard:H-030 @control:C-022 @outside-test-ranges
  Scenario: A real patient's NHS number is refused by the test EPR
    When the PAS sends an "ADT^A28" message for a patient whose NHS number is outside the test ranges
    Then the EPR rejects the message with "AR"
    And the acknowledgement says "not a test NHS number"

  @hazard:H-031 @control:C-023
  Scenario: Admission, transfer and discharge on the ward are sent to the GP system
    Given I am signed in as a receptionist
    When I admit "Amy Pond" to ward "Ward 7" bed "3"
    Then the GP system receives an "ADT^A01" message for "Amy Pond" with:
      | PV1-3.1 | Ward 7 |
      | PV1-3.3 | 3      |
    When I transfer "Amy Pond" to ward "Ward 12" bed "1"
    Then the GP system receives an "ADT^A02" message for "Amy Pond" with:
      | PV1-3.1 | Ward 12 |
    When I discharge "Amy Pond"
    Then the GP system receives an "ADT^A03" message for "Amy Pond"
    And the GP system receives an "MDM^T02" message for "Amy Pond" containing "Discharge summary"
