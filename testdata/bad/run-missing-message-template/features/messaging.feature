@messaging
Feature: Messaging

  Scenario: A template that is not there
    Given the patient "Amy Pond" is registered
    When the PAS sends the message "messages/a31.hl7" for "Amy Pond"
    Then the EPR accepts the message
