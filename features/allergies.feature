@allergies
Feature: Allergies and intolerances
  Clinicians record what a patient is allergic to, keep it up to date, and
  see it on every record page: the patient banner's allergy alert reads
  "No known allergies", "Allergies: Penicillin (anaphylaxis)" or
  "Allergies not recorded".

  Background:
    Given the patient "Amy Pond" is registered
    And I am signed in as a clinician
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"

  @smoke @hazard:H-002 @control:C-004
  Scenario: A recorded allergy is shown in the banner
    Then the banner shows the allergy alert "Allergies not recorded"
    When I record an allergy to "Penicillin" with reaction "Anaphylaxis" and severity "severe"
    Then the banner shows the allergy alert "Allergies: Penicillin (anaphylaxis)"
    And the allergy to "Penicillin" is recorded in the patient's FHIR record with criticality "high"

  @regression @hazard:H-002 @control:C-004
  Scenario: Several allergies are listed in the order they were recorded
    When I record an allergy to "Penicillin" with reaction "Anaphylaxis" and severity "severe"
    And I record an allergy to "Latex" with reaction "Urticaria" and severity "moderate"
    Then the banner shows the allergy alert "Allergies: Penicillin (anaphylaxis), Latex (urticaria)"
    And the allergy to "Latex" is recorded in the patient's FHIR record with severity "moderate"

  @regression @hazard:H-002 @defect:allergy-alert-stale @control:C-005
  Scenario: The banner follows an updated allergy
    When I record an allergy to "Penicillin" with reaction "Rash" and severity "mild"
    And I update the "Penicillin" allergy to reaction "Anaphylaxis" and severity "severe"
    Then the banner shows the allergy alert "Allergies: Penicillin (anaphylaxis)"
    And the allergy to "Penicillin" is recorded in the patient's FHIR record with criticality "high"

  @regression @hazard:H-002 @control:C-004
  Scenario: An allergy recorded through the form, with the generic web steps
    When I click the "Record an allergy" link
    Then I am on the "Record an allergy" page
    When I fill in "Substance" with "Penicillin"
    And I fill in "Reaction" with "Anaphylaxis"
    And I choose "Severe" from "Severity"
    And I click the "Save allergy" button
    Then I see a message "Allergy recorded"
    And I see the heading "Allergies and intolerances"
    And I see a table row with:
      | Substance | Penicillin  |
      | Reaction  | Anaphylaxis |
      | Severity  | Severe      |
    And I see a table row with "Penicillin", "Anaphylaxis" and "Active"
    And I do not see "Allergies not recorded"
    And the banner shows the allergy alert "Allergies: Penicillin (anaphylaxis)"

  @regression
  Scenario: No known allergies is recorded explicitly
    When I record no known allergies
    Then the banner shows the allergy alert "No known allergies"

  @regression @hazard:H-002 @control:C-004
  Scenario: Recording an allergy replaces "No known allergies"
    When I record no known allergies
    And I record an allergy to "Peanut" with reaction "Angioedema" and severity "severe"
    Then the banner shows the allergy alert "Allergies: Peanut (angioedema)"

  @regression
  Scenario: Resolved and mistaken allergies leave the banner
    When I record an allergy to "Penicillin" with reaction "Rash" and severity "mild"
    And I record an allergy to "Latex" with reaction "Urticaria" and severity "moderate"
    And I resolve the "Penicillin" allergy
    Then the banner shows the allergy alert "Allergies: Latex (urticaria)"
    When I mark the "Latex" allergy as entered in error
    Then the banner shows the allergy alert "Allergies not recorded"

  @regression @hazard:H-002 @control:C-004
  Scenario: An allergy loaded through FHIR is shown in the banner
    Given the patient "Donna Noble" is registered
    When I search for "Donna Noble"
    And I open the record of "Donna Noble"
    Then the banner shows the allergy alert "Allergies: Penicillin (anaphylaxis)"
