@session
Feature: Signing in to the EPR
  Staff sign in with their own account. The EPR shows who is signed in and
  in which role, refuses wrong credentials, and lets the user sign out.

  @smoke
  Scenario: A clinician signs in
    Given I am signed in as a clinician
    Then I am shown as signed in as a clinician

  Scenario: A receptionist signs in
    Given the receptionist is signed in
    Then I am shown as signed in as a receptionist

  @smoke
  Scenario: A wrong password is refused
    When I sign in as "dr.patel" with password "not-the-password"
    Then the sign-in is refused

  Scenario: Signing out ends the session
    Given I am signed in as a clinician
    When I sign out
    Then I am signed out
