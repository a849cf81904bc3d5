@banner
Feature: Opening a patient's chart
  Team wording and catalogue steps mix freely in one scenario.

  Scenario: The chart of a patient found by NHS number
    Given patient "Amy Pond" is on the system
    And the patient "Amy Pond" has been found by NHS number "999 000 0018"
    When I open the chart for "Amy Pond"
    Then the chart shows the NHS number "999 000 0018"
    And I can see the clinical record
