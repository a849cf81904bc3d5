@a11y
Feature: Screens everyone can use safely
  Staff who use a screen reader, the keyboard alone or a magnifier must be
  able to identify a patient, see an allergy and fill in a form as safely
  as anyone else. A field a screen reader announces without its name, an
  alert it never announces or text too faint to read puts a patient at
  risk. These scenarios check the screens with axe-core against WCAG 2.2 A
  and AA (the run's standard) unless they name another, with an empty
  accessibility baseline: the reference EPR has no known violations.

  @smoke @session
  Scenario: The sign-in page is accessible, also when a sign-in is refused
    When I sign in as "dr.patel" with password "wrong-password"
    Then the sign-in is refused
    And the page has no accessibility violations
    And the page has no "best-practice" accessibility violations

  @regression @banner
  Scenario: A clinician's view of a patient record is accessible, allergy alert included
    Given the patient "Amy Pond" is allergic to penicillin with anaphylaxis
    And I am signed in as a clinician
    When I search for "Amy Pond"
    And I open the record of "Amy Pond"
    Then the banner shows the allergy alert "Allergies: Penicillin (anaphylaxis)"
    And the page has no accessibility violations

  @regression @registration @defect:a11y-unlabelled-field
  Scenario: Registering a patient is accessible, errors included
    Given I am signed in as a receptionist
    When I click the "Register a patient" link
    Then the page has no accessibility violations
    When I register a patient:
      | NHS number    | 999 000 201       |
      | given name    | Rose              |
      | family name   | Tyler             |
      | date of birth | 01/04/1986        |
      | sex           | Female            |
      | address       | 48 Bucknall House |
      | postcode      | SE15 6QT          |
    Then the registration is refused because the NHS number is not valid
    And the page has no accessibility violations

  @regression @search
  Scenario: Patient search results meet WCAG 2.1 AA
    Given the patient "Amy Pond" is registered
    And the patient "Brian Pond" is registered
    And I am signed in as a receptionist
    When I search for patients named "Pond"
    Then 2 patients are found
    And the page meets WCAG 2.1 AA

  @regression @session
  Scenario: The warning before an idle session ends is accessible
    Given I am signed in as a nurse
    When I am idle for 13 minutes
    Then I am warned that my session will end in 2 minutes
    And the "Your session will end in 2 minutes" dialog has no accessibility violations
