Feature: The browser reaches nothing outside the test environment
  A page of the system under test that asks for a resource from another
  host (an analytics script, a font from a CDN) must not reach it: the
  harness blocks every host that is neither the EPR's nor allowed. The
  probe page is served by Orthanc itself (ServeFolders, www/ in this
  folder), since Orthanc Explorer loads nothing from other hosts.

  @regression
  Scenario: A request to a host outside the test environment is blocked
    When I go to "/eprharness/egress-probe.html"
    Then I see the heading "Egress probe"
    And the browser blocked a request to "example.invalid"
