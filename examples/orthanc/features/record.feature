Feature: A patient's studies in Orthanc Explorer
  Opening a patient shows who they are and the imaging studies the archive
  holds for them; a study deleted in error is gone from the patient.

  Background:
    Given the patient "Tobias Fenwick" is registered

  @smoke
  Scenario: Open a patient and see who they are
    When I search for "Tobias Fenwick"
    And I open the record of "Tobias Fenwick"
    Then the patient banner shows:
      | name          | Fenwick^Tobias             |
      | date of birth | Sunday, September 21, 1958 |
      | gender        | M                          |
      | NHS number    | 999 004 2020               |

  @smoke
  Scenario: See a patient's imaging studies
    When I search for "Tobias Fenwick"
    And I open the record of "Tobias Fenwick"
    Then I see "MR knee right"
    And I see "US abdomen"
    And I see "CT head without contrast"
    And I see "AccessionNumber: ACC42020001"

  @regression
  Scenario: Open a study and see its series
    When I search for "Tobias Fenwick"
    And I open the record of "Tobias Fenwick"
    And I click "MR knee right"
    Then I see "Sagittal PD"
    And I see "Coronal T1"

  @regression
  Scenario: Delete a study and see it gone from the patient
    When I search for "Tobias Fenwick"
    And I open the record of "Tobias Fenwick"
    And I click "US abdomen"
    And I click the "Delete this study" link
    And I click the "OK" link
    Then I see "MR knee right"
    And I do not see "US abdomen"
    When I search for "Tobias Fenwick"
    And I open the record of "Tobias Fenwick"
    Then I see "CT head without contrast"
    And I do not see "US abdomen"
