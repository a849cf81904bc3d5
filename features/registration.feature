@registration
Feature: Registering a patient
  Receptionists and doctors register patients with their demographics, GP
  practice and NHS number. The NHS number must pass the Modulus 11 check and
  must not already belong to a registered patient, so that one person never
  has two records and no record carries a mistyped number (hazard H-020:
  a patient identified by the wrong or a duplicate record).

  @smoke
  Scenario: A receptionist registers a new patient
    Given I am signed in as a receptionist
    When I register a patient:
      | NHS number    | 999 000 2010      |
      | given name    | Rose              |
      | family name   | Tyler             |
      | date of birth | 1986-01-14        |
      | sex           | Female            |
      | address       | 48 Bucknall House |
      | town          | London            |
      | postcode      | SE15 6QT          |
      | GP practice   | Powell Estate GP  |
    Then I see the record of the new patient
    And the patient banner shows:
      | name          | TYLER, Rose  |
      | NHS number    | 999 000 2010 |
      | date of birth | 14-Jan-1986  |
      | age           | 40y          |
      | gender        | Female       |

  @regression
  Scenario: A newborn is registered with a date of birth relative to today
    Given I am signed in as a receptionist
    When I register a patient:
      | NHS number    | 999 000 2037      |
      | given name    | Jackie            |
      | family name   | Tyler             |
      | date of birth | today-30          |
      | sex           | Female            |
      | address       | 48 Bucknall House |
      | postcode      | SE15 6QT          |
    Then I see the record of the new patient
    When I search for patients named "Tyler" born on "30 days ago"
    Then 1 patient is found
    And the search results include "Jackie Tyler"

  @regression @hazard:H-020 @defect:nhs-check-digit @control:C-013
  Scenario Outline: An NHS number that fails validation is refused (<why>)
    Given I am signed in as a receptionist
    When I register a patient:
      | NHS number    | <nhs number>      |
      | given name    | Rose              |
      | family name   | Tyler             |
      | date of birth | 01/04/1986        |
      | sex           | Female            |
      | address       | 48 Bucknall House |
      | postcode      | SE15 6QT          |
    Then the registration is refused because the NHS number is not valid

    Examples:
      | why                | nhs number   |
      | wrong check digit  | 999 000 2011 |
      | check digit of ten | 999 000 0000 |

  @regression @hazard:H-020 @control:C-013
  Scenario Outline: An NHS number of the wrong length is refused (<why>)
    Given I am signed in as a doctor
    When I register a patient:
      | NHS number    | <nhs number>      |
      | given name    | Rose              |
      | family name   | Tyler             |
      | date of birth | 01/04/1986        |
      | sex           | Female            |
      | address       | 48 Bucknall House |
      | postcode      | SE15 6QT          |
    Then the registration is refused because the NHS number is not valid

    Examples:
      | why        | nhs number    |
      | nine       | 999 000 201   |
      | eleven     | 999 000 20100 |
      | not digits | 999 000 20AB  |

  @regression @hazard:H-020 @control:C-014
  Scenario: A patient cannot be registered twice
    Given the patient "Amy Pond" is registered
    And I am signed in as a receptionist
    When I register a patient:
      | NHS number    | 9990000018        |
      | given name    | Amelia            |
      | family name   | Pond              |
      | date of birth | 15/03/1987        |
      | sex           | Female            |
      | address       | 12 Leadworth Lane |
      | postcode      | GL7 1AA           |
    Then I am told the patient is already registered
