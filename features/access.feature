@access
Feature: Restricted records and break-glass access
  A patient flagged sensitive has a restricted record: their address is
  hidden from staff without a legitimate relationship (in the reference EPR,
  staff on the patient's care team, which the user who registered them
  joins). A clinician may break the glass in an emergency: they give a
  reason, see the record for the rest of their session, and the access is
  audited with the reason (hazard H-021: inappropriate disclosure of a
  restricted record, or access that nobody can review).

  @smoke @hazard:H-021 @control:C-015
  Scenario: A restricted patient's address is hidden
    Given the patient "Martha Jones" has a restricted record
    And I am signed in as a receptionist
    When I search for "Martha Jones"
    And I open the record of "Martha Jones"
    Then the address is hidden

  @hazard:H-021 @control:C-015
  Scenario: An unrestricted patient's address is shown
    Given the patient "Amy Pond" is registered
    And I am signed in as a receptionist
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then the address is shown

  @regression @hazard:H-021 @defect:break-glass-unaudited @control:C-016
  Scenario: A clinician breaks the glass, and the access is audited with the reason
    Given the patient "Martha Jones" has a restricted record
    And I am signed in as a clinician
    When I search for "Martha Jones"
    And I open the record of "Martha Jones"
    Then the address is hidden
    When I break the glass with the reason "emergency"
    Then the address is shown
    And the access by "dr.patel" to the record of "Martha Jones" is audited with reason "emergency"

  @regression @hazard:H-021 @control:C-015
  Scenario: Whoever registers a restricted patient can see their address
    Given I am signed in as a receptionist
    When I register a patient:
      | NHS number    | 999 000 2029      |
      | given name    | Jackie            |
      | family name   | Tyler             |
      | date of birth | 1966-02-12        |
      | sex           | Female            |
      | address       | 48 Bucknall House |
      | postcode      | SE15 6QT          |
      | restricted    | yes               |
    Then I see the record of the new patient
    And the address is shown
