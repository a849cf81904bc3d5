@admissions
Feature: Admissions, transfers and discharges with a ward bed board
  Ward clerks and nurses admit patients to a bed, transfer them and
  discharge them. The bed board shows every bed as occupied (with the
  patient's name and NHS number) or free. A bed holds one patient, and a
  patient is admitted once at a time.

  Background:
    Given the patient "Amy Pond" is registered
    And I am signed in as a receptionist

  @smoke
  Scenario: Admitting a patient shows them on the bed board
    When I admit "Amy Pond" to ward "Ward 7" bed "3"
    Then the bed board shows bed "3" on "Ward 7" occupied by "POND, Amy"

  Scenario: A transfer moves the patient and frees their old bed
    Given I admit "Amy Pond" to ward "Ward 7" bed "3"
    When I transfer "Amy Pond" to ward "Ward 12" bed "1"
    Then the bed board shows bed "1" on "Ward 12" occupied by "Amy Pond"
    And the bed board shows bed "3" on "Ward 7" as free

  Scenario: Discharge frees the bed
    Given I admit "Amy Pond" to ward "Ward 7" bed "3"
    When I discharge "Amy Pond"
    Then the bed board shows bed "3" on "Ward 7" as free

  @hazard:H-011 @control:C-011
  Scenario: An occupied bed cannot be given to a second patient
    Given the patient "Rory Williams" is registered
    And I admit "Amy Pond" to ward "Ward 7" bed "3"
    Then bed "3" on "Ward 7" cannot be chosen for "Rory Williams"

  @hazard:H-011 @control:C-012
  Scenario: A patient already admitted cannot be admitted again
    Given I admit "Amy Pond" to ward "Ward 7" bed "3"
    Then "Amy Pond" cannot be admitted again
