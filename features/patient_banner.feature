@banner
Feature: The patient banner
  Every record page shows a patient banner so that staff can be sure they
  have the right patient: name, NHS number in 3-3-4 format, date of birth,
  age and gender (NHS England patient banner standard).

  @smoke @hazard:H-001 @control:C-001
  Scenario: The banner identifies the patient
    Given the patient "Amy Pond" is registered
    And I am signed in as a clinician
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then the patient banner shows:
      | name          | POND, Amy    |
      | NHS number    | 999 000 0018 |
      | date of birth | 15-Mar-1987  |
      | age           | 39y          |
      | gender        | Female       |

  @hazard:H-001 @control:C-001
  Scenario: An infant's age is shown in months
    Given the patient "Clara Oswald" is registered
    And I am signed in as a clinician
    When I search for the patient with NHS number "9990000042"
    And I open the record of "Clara Oswald"
    Then the banner shows the age "21m"

  @access @hazard:H-023
  Scenario: A receptionist sees demographics but not the clinical record
    Given the patient "Rory Williams" is registered
    And I am signed in as a receptionist
    When I search for "Rory Williams"
    And I open the patient record
    Then the patient banner shows the NHS number "9990000026"
    And the receptionist cannot see the clinical record

  @access
  Scenario: A clinician sees the clinical record
    Given the patient "Rory Williams" is registered
    And I am signed in as a clinician
    When I search for "Rory Williams"
    And I open the patient record
    Then I can see the clinical record
