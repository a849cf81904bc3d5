@observations
Feature: Hazard and fixture tags

  @hazard:H-004 @patient:wilfred-mott
  Scenario: Known hazard, fixture patient by tag
    Given I am signed in as a nurse
    When I open the record of "Wilfred Mott"

  @hazard:H-005 @hazard:H4 @patient:wilfred-mot
  Scenario: Unknown hazard, malformed hazard tag, unknown fixture file
    Given I am signed in as a nurse
