@messaging
Feature: Messaging

  Scenario: A path and a placeholder that are wrong
    Given the patient "Amy Pond" is registered
    When the PAS sends an "ADT^A01" message for "Amy Pond" with:
      | PV1.3 | Ward 7^^3 |
    Then the EPR accepts the message
    When the PAS sends this "ADT^A08" message for "Amy Pond":
      """
      MSH|^~\&|PAS|RHQ|REFEPR|RHQ|{now}||ADT^A08|{control_id}|P|2.5.1
      PID|1||{nhs}^^^NHS^NH
      """
    Then the EPR accepts the message
