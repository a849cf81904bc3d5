@audit
Feature: Audit

  Scenario: The audit API records a search
    Given the patient "Amy Pond" is registered
    And I am signed in as a receptionist
    When I search for the patient with NHS number "999 000 0018"
    Then "rec.jones" viewed the record of "Amy Pond" according to the audit API
