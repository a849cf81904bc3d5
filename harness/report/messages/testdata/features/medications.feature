@medications
Feature: Prescribing medication

  @repeat
  Scenario: Prescribing a repeat medication records it on the chart
    Given the patient "999 000 0026" has a medication history
    And I am logged in as "nurse.patel"
    When I prescribe "Amoxicillin 500mg capsules" as a repeat
    Then the medication chart lists "Amoxicillin 500mg capsules"

  Scenario: Stopping a medication asks for a reason
    Given I am logged in as "nurse.patel"
    When I stop the medication "Amoxicillin 500mg capsules"
    Then I am asked for a reason

  @quarantine @hazard:H-002
  Scenario: Prescribing warns about a recorded allergy
    Given I am logged in as "dr.jones"
    When I prescribe "Amoxicillin 500mg capsules"
    Then I see the allergy warning "Penicillin"
