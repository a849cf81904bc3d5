@operations
Feature: Knowing which EPR is under test
  The about page, linked from every page's footer, shows the running
  version, the release-candidate defects turned on and the clinical clock,
  so an analyst can tell what a run was proven against.

  Scenario: The about page shows the fixed clinical clock
    Given I am signed in as a receptionist
    When I open the about page
    Then the about page shows the clinical clock "Mon 01-Jun-2026 00:00 UTC"
