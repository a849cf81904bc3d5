@patients @smoke
Feature: Patient search
  As a clinician
  I want to find a patient by NHS number or by name
  So that I open the right patient's record

  # Scenarios written by the clinical safety officer



  @nhs-number @hazard:H-001
  Scenario: Searching by NHS number shows the patient
    Given I am logged in as "dr.jones"
    When I search for NHS number "999 000 0018"
    Then the patient banner shows the NHS number "999 000 0018"
    And the banner shows the date of birth "01-Jan-1970"
    And the allergies panel is visible

  @name-search @hazard:H-001
  Scenario: Searching by name lists matching patients
    Given I am logged in as "dr.jones"
    When I search for patients named "Smith"
    Then the results list 3 patients
  @validation
  Scenario Outline: Rejecting a malformed NHS number
    Given I am logged in as "dr.jones"
    When I search for NHS number "<nhs number>"
    Then I see the message "Enter a valid 10-digit NHS number"

    Examples:
      | nhs number   |
      | 999 000 001  |
      | ABC 000 0018 |
