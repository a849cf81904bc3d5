@workflow @regression
Feature: Several people care for one patient
  A patient's day involves several staff, each signed in as themselves in
  a browser of their own: the receptionist books or admits, the doctor
  prescribes, the nurse records observations. Each role signs in once in
  its own window; a step that starts with the role ("the nurse records …")
  acts in that role's window, a step that starts with "I" in the window of
  whoever acted last.

  @appointments @hazard:H-004 @patient:amy-pond @control:C-008
  Scenario: The receptionist books, the doctor prescribes, the nurse records observations
    Given the receptionist is signed in
    And the doctor is signed in
    And the nurse is signed in
    When the receptionist books the first free "Cardiology" slot for "Amy Pond"
    Then "Amy Pond" has an appointment in "Cardiology" on "2026-06-02 09:00"
    When the doctor searches for "Amy Pond"
    And the doctor opens the record of "Amy Pond"
    And the doctor prescribes "Paracetamol" 1 g orally four times a day
    Then the medications list shows "Paracetamol" as active
    When the nurse searches for "Amy Pond"
    And the nurse opens the record of "Amy Pond"
    Then the patient banner shows the NHS number "999 000 0018"
    And the medications list shows "Paracetamol" as active
    When the nurse records observations:
      | respiration rate | 22    |
      | SpO2             | 93    |
      | air or oxygen    | air   |
      | systolic BP      | 105   |
      | pulse            | 115   |
      | consciousness    | alert |
      | temperature      | 37.2  |
    Then the NEWS2 score is 7
    And the clinical response is "high"
    When the receptionist searches for patients born on "15/03/1987"
    Then the search results include "Amy Pond"
    When the receptionist opens the record of "Amy Pond"
    Then the receptionist cannot see the clinical record

  @admissions @hazard:H-002 @hazard:H-003 @patient:donna-noble @control:C-004 @control:C-006
  Scenario: The doctor is stopped by the allergy of a patient the receptionist admitted
    Given I am signed in as a receptionist
    When I admit "Donna Noble" to ward "Ward 7" bed "3"
    Then the bed board shows bed "3" on "Ward 7" occupied by "NOBLE, Donna"
    Given I am signed in as a doctor
    When I search for "Donna Noble"
    And I open the record of "Donna Noble"
    Then the banner shows the allergy alert "Allergies: Penicillin (anaphylaxis)"
    When I prescribe "Amoxicillin" 500 mg orally three times a day
    Then I am warned that amoxicillin conflicts with the penicillin allergy
    Given the nurse is signed in
    When the nurse searches for "Donna Noble"
    And the nurse opens the record of "Donna Noble"
    Then "Amoxicillin" is not prescribed
    And the nurse cannot prescribe
