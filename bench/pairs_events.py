"""Invented news reports for the event-identity pairs (data/pairs/pairs.jsonl).

Every text here was written for this project; none is copied from a feed. Each event has three
reports of the same event by different outlets (the first is the one syndicated), and one
follow-up: a later development of the same story. bench/make_pairs.py turns them into pairs.
"""

from __future__ import annotations

# (slug, first report, second report, third report, follow-up); a report is (title, summary)
Report = tuple[str, str]
EVENTS: list[tuple[str, Report, Report, Report, Report]] = [
    (
        "msft-ice-letter",
        (
            "Microsoft employees protest ICE contract",
            "More than 300 Microsoft engineers signed an open letter asking chief executive Satya Nadella to "
            "cancel the company's $19.4 million Azure contract with Immigration and Customs Enforcement.",
        ),
        (
            "Hundreds of Microsoft workers demand end to ICE cloud deal",
            "In a letter posted internally on Tuesday, Microsoft staff urged Satya Nadella to drop the Azure "
            "work the company does for Immigration and Customs Enforcement.",
        ),
        (
            "Microsoft staff letter targets Azure work for immigration agency",
            "Employees at Microsoft say the company's Azure contract with ICE makes them complicit in family "
            "separations; the letter was addressed to Satya Nadella.",
        ),
        (
            "Microsoft says it will keep ICE contract despite staff letter",
            "A day after hundreds of Microsoft employees protested, the company told staff the Azure contract with "
            "Immigration and Customs Enforcement would stand, Satya Nadella wrote in a memo.",
        ),
    ),
    (
        "denver-face-ban",
        (
            "Denver council votes to ban police facial recognition",
            "Denver's city council voted 9-4 on Monday to bar the Denver Police Department from using facial "
            "recognition software, joining a handful of US cities with such bans.",
        ),
        (
            "Denver bars its police from using face recognition",
            "The Denver City Council approved a ban on police use of facial recognition by a 9-4 vote, after "
            "months of pressure from civil liberties groups.",
        ),
        (
            "Facial recognition ban passes in Denver, 9 votes to 4",
            "Police in Denver will no longer be allowed to run facial recognition searches after the council "
            "passed the ordinance on Monday night.",
        ),
        (
            "Denver police chief asks council to reconsider facial recognition ban",
            "Denver's police chief said the ban passed by the council last week would slow investigations and "
            "asked for an exemption for missing-person cases.",
        ),
    ),
    (
        "clearview-dutch-fine",
        (
            "Dutch regulator fines Clearview AI €30.5 million",
            "The Dutch Data Protection Authority fined Clearview AI €30.5 million for building an illegal "
            "database of billions of facial images scraped from the internet.",
        ),
        (
            "Clearview AI hit with €30.5m fine in the Netherlands",
            "The Netherlands' privacy watchdog, the Autoriteit Persoonsgegevens, said Clearview AI broke the GDPR "
            "by collecting faces of Dutch citizens without consent; the fine is €30.5 million.",
        ),
        (
            "Netherlands watchdog penalises Clearview over face database",
            "Clearview AI must pay €30.5 million after the Dutch Data Protection Authority found its facial "
            "recognition database violated European privacy law.",
        ),
        (
            "Clearview AI says it will not pay Dutch fine",
            "Clearview AI said the Dutch Data Protection Authority has no jurisdiction over it and that it will "
            "not pay the €30.5 million penalty issued last week.",
        ),
    ),
    (
        "google-maven",
        (
            "Google will not renew Pentagon drone AI contract",
            "Google told employees it will not renew its Project Maven contract with the Pentagon when it "
            "expires next year, after thousands of staff protested.",
        ),
        (
            "Google to let Project Maven contract lapse after staff revolt",
            "Google Cloud chief Diane Greene told staff the company would not seek another Project Maven "
            "contract with the Department of Defense.",
        ),
        (
            "After protests, Google drops bid to extend Maven drone work",
            "Google's work analysing drone footage for the Pentagon under Project Maven will end in March, the "
            "company told employees on Friday.",
        ),
        (
            "Google publishes AI principles ruling out weapons work",
            "A week after saying it would let the Project Maven contract with the Pentagon lapse, Google "
            "published principles that rule out AI for weapons.",
        ),
    ),
    (
        "uber-drivers-london",
        (
            "Uber drivers in London strike over pay cuts",
            "Hundreds of Uber drivers in London logged off the app on Wednesday to protest a cut in per-mile "
            "rates, the App Drivers and Couriers Union said.",
        ),
        (
            "London Uber drivers log off in protest at lower fares",
            "The App Drivers and Couriers Union said drivers across London switched off the Uber app for 24 hours "
            "over a fare change that reduces their earnings.",
        ),
        (
            "Uber faces 24-hour driver strike in London",
            "Uber drivers in the UK capital staged a day-long strike organised by the App Drivers and Couriers "
            "Union over new rates.",
        ),
        (
            "Uber agrees to talks with London drivers' union after strike",
            "Uber said it would meet the App Drivers and Couriers Union next week, two days after drivers in "
            "London struck over pay.",
        ),
    ),
    (
        "amazon-rekognition-moratorium",
        (
            "Amazon extends moratorium on police use of Rekognition",
            "Amazon said it will extend indefinitely its ban on police departments using Rekognition, its facial "
            "recognition service, which was due to expire this month.",
        ),
        (
            "Amazon keeps police away from Rekognition indefinitely",
            "The one-year pause on law enforcement use of Amazon Rekognition will continue until further notice, "
            "Amazon told Reuters.",
        ),
        (
            "Amazon's police ban on Rekognition face software made open-ended",
            "Amazon quietly extended its moratorium on police use of Rekognition facial recognition, a company "
            "spokesperson confirmed.",
        ),
        (
            "Lawmakers ask Amazon to make Rekognition police ban permanent",
            "Two US senators wrote to Amazon asking it to turn its Rekognition moratorium for police into a "
            "permanent ban.",
        ),
    ),
    (
        "meta-irish-fine",
        (
            "Ireland fines Meta €1.2 billion over EU-US data transfers",
            "Ireland's Data Protection Commission fined Meta €1.2 billion and ordered Facebook to stop sending "
            "European users' data to the United States.",
        ),
        (
            "Meta hit with record €1.2bn GDPR fine by Irish watchdog",
            "The Irish Data Protection Commission said Meta's transfers of Facebook user data to the US broke "
            "the GDPR; the €1.2 billion fine is the largest under the law.",
        ),
        (
            "Record privacy fine: Meta must pay €1.2 billion",
            "Meta was fined €1.2 billion by Ireland's Data Protection Commission over how Facebook moved "
            "European data to US servers.",
        ),
        (
            "Meta to appeal €1.2 billion Irish data fine",
            "Meta said it would appeal the €1.2 billion fine from Ireland's Data Protection Commission and seek "
            "a stay of the order to suspend data transfers.",
        ),
    ),
    (
        "palantir-nhs",
        (
            "Palantir wins £330 million NHS data platform contract",
            "NHS England awarded Palantir a £330 million contract to build its federated data platform, despite "
            "objections from privacy campaigners and doctors' groups.",
        ),
        (
            "NHS England picks Palantir for £330m patient data system",
            "Palantir will run the NHS federated data platform under a £330 million deal announced on Tuesday, "
            "NHS England said.",
        ),
        (
            "Campaigners condemn Palantir's £330m NHS deal",
            "Privacy groups said they would challenge NHS England's decision to give Palantir the £330 million "
            "contract for its federated data platform.",
        ),
        (
            "Doctors' union urges hospitals to boycott Palantir NHS platform",
            "The British Medical Association asked NHS trusts not to adopt the Palantir data platform awarded "
            "last month.",
        ),
    ),
    (
        "kenya-moderators",
        (
            "Kenyan content moderators sue Meta over working conditions",
            "Former Facebook content moderators in Nairobi filed a lawsuit against Meta and its contractor Sama, "
            "alleging unfair dismissal and trauma without support.",
        ),
        (
            "Meta and Sama sued by Nairobi moderators",
            "A group of content moderators who reviewed Facebook posts in Nairobi, Kenya, sued Meta and Sama "
            "in the Employment and Labour Relations Court.",
        ),
        (
            "Facebook moderators in Kenya take Meta to court",
            "Moderators employed by Sama in Nairobi say Meta is responsible for their working conditions and "
            "for their sudden dismissal.",
        ),
        (
            "Kenyan court rules Meta can be sued by Nairobi moderators",
            "Kenya's Employment and Labour Relations Court ruled that Meta can be sued in Kenya by moderators "
            "hired through Sama, rejecting Meta's objection.",
        ),
    ),
    (
        "tesla-autopilot-recall",
        (
            "Tesla recalls 2 million cars over Autopilot safeguards",
            "Tesla is recalling more than 2 million vehicles in the US to update Autopilot software after the "
            "National Highway Traffic Safety Administration found driver monitoring was inadequate.",
        ),
        (
            "NHTSA pushes Tesla to recall 2m vehicles to fix Autopilot",
            "The National Highway Traffic Safety Administration said Tesla's Autopilot did not do enough to keep "
            "drivers attentive; Tesla will fix 2 million cars with a software update.",
        ),
        (
            "Tesla Autopilot recall covers almost every car it sold in the US",
            "Tesla's recall of 2 million vehicles follows a two-year NHTSA investigation into Autopilot crashes.",
        ),
        (
            "NHTSA opens probe into whether Tesla's Autopilot recall worked",
            "Regulators at NHTSA said they are examining whether Tesla's software update for 2 million vehicles "
            "fixed the Autopilot problems, after more crashes were reported.",
        ),
    ),
    (
        "san-diego-streetlights",
        (
            "San Diego pauses smart streetlight cameras after police use",
            "San Diego switched off the cameras in 3,000 smart streetlights after residents learned the San Diego "
            "Police Department had used the footage in hundreds of investigations.",
        ),
        (
            "Police access to streetlight cameras prompts San Diego shutdown",
            "The city of San Diego turned off its 3,000 streetlight cameras while the council drafts surveillance "
            "rules, the mayor's office said.",
        ),
        (
            "San Diego turns off 3,000 streetlight cameras",
            "Footage from San Diego's smart streetlights had been requested by police more than 400 times; the "
            "city has now paused the program.",
        ),
        (
            "San Diego council passes surveillance oversight ordinance",
            "Months after switching off its streetlight cameras, San Diego adopted rules requiring council "
            "approval for any police surveillance technology.",
        ),
    ),
    (
        "openai-board",
        (
            "OpenAI whistleblowers ask SEC to investigate non-disclosure deals",
            "Former OpenAI employees filed a complaint with the Securities and Exchange Commission saying the "
            "company's agreements illegally stopped staff from warning regulators about risks.",
        ),
        (
            "SEC complaint says OpenAI gagged employees",
            "A whistleblower complaint sent to the SEC alleges OpenAI made staff sign agreements that waived "
            "their right to whistleblower compensation.",
        ),
        (
            "Ex-OpenAI staff take gag agreements to the SEC",
            "Whistleblowers told the Securities and Exchange Commission that OpenAI's severance and "
            "non-disclosure agreements discouraged reports to regulators.",
        ),
        (
            "OpenAI releases former employees from non-disparagement clauses",
            "OpenAI said it would not enforce non-disparagement terms against former staff, days after "
            "whistleblowers complained to the SEC.",
        ),
    ),
    (
        "rite-aid-ftc",
        (
            "FTC bans Rite Aid from facial recognition for five years",
            "The Federal Trade Commission said Rite Aid's facial recognition system falsely flagged shoppers, "
            "many of them women and people of colour, as shoplifters, and banned its use for five years.",
        ),
        (
            "Rite Aid barred from using face recognition in stores",
            "Rite Aid agreed to a five-year ban on facial recognition surveillance to settle FTC charges that its "
            "system wrongly accused customers.",
        ),
        (
            "Rite Aid's face surveillance falsely tagged shoppers, FTC says",
            "The FTC's settlement with Rite Aid prohibits the pharmacy chain from deploying facial recognition "
            "for five years.",
        ),
        (
            "Rite Aid asks bankruptcy court to approve FTC face recognition deal",
            "Rite Aid, which is in bankruptcy, asked the court to approve its settlement with the FTC over "
            "facial recognition in its stores.",
        ),
    ),
    (
        "glovo-spain",
        (
            "Spain fines Glovo €79 million for misclassifying riders",
            "Spain's labour inspectorate fined Glovo €79 million for treating its delivery riders as "
            "self-employed instead of employees.",
        ),
        (
            "Glovo must pay €79m in Spanish rider classification case",
            "Spanish labour authorities said Glovo broke the country's rider law, which presumes that delivery "
            "couriers are employees, and fined it €79 million.",
        ),
        (
            "Labour inspectors in Spain hand Glovo a €79 million penalty",
            "Glovo, owned by Delivery Hero, faces a €79 million fine after Spain's inspectorate found thousands of "
            "riders were falsely self-employed.",
        ),
        (
            "Glovo to hire its Spanish riders as employees after fines",
            "Glovo said it will move all of its delivery riders in Spain onto employment contracts, after "
            "inspectors fined it €79 million.",
        ),
    ),
    (
        "chicago-shotspotter",
        (
            "Chicago will end ShotSpotter contract, mayor says",
            "Chicago mayor Brandon Johnson said the city will not renew its contract with SoundThinking for "
            "ShotSpotter gunshot detection when it expires.",
        ),
        (
            "Brandon Johnson drops ShotSpotter in Chicago",
            "Chicago's mayor is keeping a campaign promise to end ShotSpotter, the gunshot detection system "
            "critics say sends police into Black and Latino neighbourhoods.",
        ),
        (
            "Chicago to stop using gunshot detection system ShotSpotter",
            "Mayor Brandon Johnson announced that Chicago's ShotSpotter contract with SoundThinking ends this year.",
        ),
        (
            "Chicago council votes to keep ShotSpotter despite mayor",
            "Chicago aldermen passed an ordinance to keep ShotSpotter running, setting up a clash with Mayor "
            "Brandon Johnson, who ended the contract.",
        ),
    ),
    (
        "samsung-chatgpt-ban",
        (
            "Samsung bans staff from using ChatGPT after code leak",
            "Samsung Electronics told employees not to use ChatGPT and other generative AI tools on company "
            "devices after engineers pasted confidential source code into it.",
        ),
        (
            "Samsung restricts generative AI at work after engineers leak code",
            "A memo seen by reporters says Samsung will bar ChatGPT on company computers following an incident "
            "in which chip engineers uploaded internal source code.",
        ),
        (
            "ChatGPT banned at Samsung over data leak",
            "Samsung Electronics has prohibited generative AI tools such as ChatGPT after sensitive code was "
            "shared with the chatbot.",
        ),
        (
            "Samsung builds in-house AI assistant after ChatGPT ban",
            "Weeks after banning ChatGPT, Samsung Electronics said it is developing its own AI tool for employees.",
        ),
    ),
    (
        "italy-deliveroo-algorithm",
        (
            "Bologna court rules Deliveroo rider algorithm discriminated",
            "A labour court in Bologna ruled that Deliveroo's rider-ranking algorithm, Frank, discriminated "
            "against riders who joined strikes or fell ill.",
        ),
        (
            "Italian judges find Deliveroo's algorithm Frank unfair to riders",
            "The Bologna tribunal said Deliveroo's ranking system penalised riders for absences without "
            "considering legitimate reasons such as strikes.",
        ),
        (
            "Deliveroo loses algorithm discrimination case in Italy",
            "Unions won a case in Bologna against Deliveroo, whose algorithm Frank ranked couriers by "
            "reliability regardless of why they missed shifts.",
        ),
        (
            "Italy's privacy regulator fines Deliveroo €2.5 million over algorithm",
            "Following the Bologna ruling, Italy's data protection authority fined Deliveroo €2.5 million for the "
            "way its algorithm handled riders' data.",
        ),
    ),
    (
        "ibm-face-exit",
        (
            "IBM quits facial recognition business",
            "IBM chief executive Arvind Krishna wrote to Congress that IBM will no longer offer general-purpose "
            "facial recognition or analysis software.",
        ),
        (
            "Arvind Krishna: IBM will stop selling face recognition software",
            "In a letter to members of Congress, IBM's chief executive said the company opposes the use of "
            "facial recognition for mass surveillance and racial profiling.",
        ),
        (
            "IBM exits facial recognition, calls for police reform",
            "IBM told Congress it has ended its general-purpose facial recognition products, in a letter signed "
            "by Arvind Krishna.",
        ),
        (
            "IBM asked whether its police face recognition contracts will end",
            "Days after IBM quit facial recognition, researchers asked Arvind Krishna whether the company's "
            "existing contracts with police departments would be cancelled.",
        ),
    ),
    (
        "axon-taser-drone",
        (
            "Axon ethics board resigns over Taser drone plan",
            "Nine of the twelve members of Axon's AI ethics board resigned after the company announced plans "
            "for Taser-equipped drones in schools.",
        ),
        (
            "Majority of Axon's AI ethics board quits",
            "Members of Axon's ethics advisory board said they resigned because Axon went ahead with a proposal "
            "for drones carrying Tasers without consulting them.",
        ),
        (
            "Taser drones for schools: Axon's ethics advisers walk out",
            "Axon's plan to put Taser drones in schools led nine members of its AI ethics board to step down.",
        ),
        (
            "Axon pauses Taser drone project after board resignations",
            "Axon chief executive Rick Smith said the company is pausing work on Taser drones, days after most "
            "of its AI ethics board resigned.",
        ),
    ),
    (
        "toronto-sidewalk",
        (
            "Sidewalk Labs abandons Toronto smart city project",
            "Alphabet's Sidewalk Labs said it is ending its Quayside project on Toronto's waterfront, citing "
            "economic uncertainty, after years of privacy criticism.",
        ),
        (
            "Alphabet's Sidewalk Labs pulls out of Quayside",
            "The Toronto waterfront project run by Sidewalk Labs is over, chief executive Dan Doctoroff said, "
            "ending a plan that privacy advocates had fought.",
        ),
        (
            "Toronto's Quayside smart neighbourhood cancelled by Sidewalk Labs",
            "Sidewalk Labs, owned by Alphabet, walked away from its Toronto development, which had been "
            "criticised for its data collection plans.",
        ),
        (
            "Waterfront Toronto picks new developer for Quayside",
            "A year after Sidewalk Labs left, Waterfront Toronto chose a new developer for the Quayside site, "
            "with no data collection sensors planned.",
        ),
    ),
    (
        "workday-bias",
        (
            "Workday sued over AI hiring bias against older applicants",
            "Derek Mobley sued Workday, alleging its AI screening software rejected him from more than 100 jobs "
            "because of his age, race and disability.",
        ),
        (
            "Lawsuit says Workday's AI screening discriminates",
            "A federal lawsuit filed by Derek Mobley claims Workday's applicant screening algorithms "
            "discriminate against older, Black and disabled job seekers.",
        ),
        (
            "Job seeker takes Workday to court over AI rejections",
            "Derek Mobley says Workday's software screened him out of over 100 applications; his suit accuses "
            "Workday of age and race discrimination.",
        ),
        (
            "Judge lets Workday AI bias lawsuit proceed as collective action",
            "A federal judge allowed Derek Mobley's age discrimination claim against Workday to go forward on "
            "behalf of other applicants over 40.",
        ),
    ),
    (
        "australia-robodebt",
        (
            "Royal commission calls Robodebt a crude and cruel mechanism",
            "Australia's royal commission into Robodebt found the automated welfare debt scheme was illegal and "
            "referred several officials for possible prosecution.",
        ),
        (
            "Robodebt inquiry refers officials over automated debt scheme",
            "Commissioner Catherine Holmes said the Robodebt scheme, which raised welfare debts by algorithm, "
            "was neither fair nor legal.",
        ),
        (
            "Australia's Robodebt scheme was unlawful, royal commission finds",
            "The royal commission report into Robodebt, the automated income-averaging system, described it as "
            "crude and cruel and recommended referrals.",
        ),
        (
            "Anti-corruption body declines to investigate Robodebt officials",
            "Australia's National Anti-Corruption Commission said it will not investigate officials referred by "
            "the Robodebt royal commission.",
        ),
    ),
    (
        "nso-whatsapp",
        (
            "WhatsApp wins $168 million verdict against NSO Group",
            "A California jury ordered NSO Group to pay WhatsApp $168 million in damages for hacking about 1,400 "
            "users with its Pegasus spyware.",
        ),
        (
            "Jury orders Pegasus maker NSO to pay WhatsApp $168m",
            "NSO Group must pay $168 million to Meta's WhatsApp after a jury found it liable for spyware attacks "
            "on 1,400 users.",
        ),
        (
            "NSO Group loses Pegasus case to WhatsApp",
            "The spyware maker NSO Group was ordered to pay $168 million in punitive and compensatory damages to "
            "WhatsApp.",
        ),
        (
            "NSO Group says it will appeal $168 million WhatsApp verdict",
            "NSO Group called the jury's $168 million award to WhatsApp outrageous and said it will appeal.",
        ),
    ),
    (
        "google-nimbus",
        (
            "Google fires 28 employees after Project Nimbus sit-in",
            "Google dismissed 28 workers who took part in sit-ins at offices in New York and Sunnyvale against "
            "Project Nimbus, its cloud contract with the Israeli government.",
        ),
        (
            "Project Nimbus protest costs 28 Google workers their jobs",
            "Google said the 28 employees it fired had disrupted work during sit-ins over Project Nimbus in "
            "Sunnyvale and New York.",
        ),
        (
            "Google dismisses staff who occupied offices over Nimbus contract",
            "The No Tech for Apartheid campaign said Google fired 28 people after the Project Nimbus sit-ins.",
        ),
        (
            "Google fires 20 more workers over Nimbus protest",
            "Google dismissed another 20 employees linked to the Project Nimbus sit-ins, bringing the total to "
            "about 50, the No Tech for Apartheid group said.",
        ),
    ),
    (
        "uk-live-facial-essex",
        (
            "Essex Police deploys live facial recognition vans in Chelmsford",
            "Essex Police used live facial recognition cameras mounted on vans in Chelmsford city centre on "
            "Saturday and made two arrests.",
        ),
        (
            "Live facial recognition vans used by Essex Police",
            "Two arrests were made in Chelmsford after Essex Police scanned shoppers' faces from vans, the force said.",
        ),
        (
            "Chelmsford shoppers scanned by Essex Police face cameras",
            "Campaign group Big Brother Watch criticised Essex Police for running live facial recognition in "
            "Chelmsford.",
        ),
        (
            "Big Brother Watch challenges Essex Police facial recognition",
            "Big Brother Watch has started legal action against Essex Police over its live facial recognition "
            "deployments in Chelmsford.",
        ),
    ),
    (
        "ftc-amazon-ring",
        (
            "Amazon to pay $5.8 million over Ring employees spying on customers",
            "The FTC said Ring employees and contractors could watch customers' private videos; Amazon agreed to "
            "pay $5.8 million to settle.",
        ),
        (
            "Ring settles FTC privacy case for $5.8m",
            "Amazon's Ring will pay $5.8 million after the Federal Trade Commission found staff accessed video "
            "from customers' bedrooms and bathrooms.",
        ),
        (
            "FTC: Ring workers watched private videos, Amazon pays $5.8 million",
            "The settlement requires Ring to delete data products built from videos it unlawfully reviewed.",
        ),
        (
            "FTC sends $5.6 million in refunds to Ring customers",
            "The Federal Trade Commission said it is sending refunds to Ring customers from Amazon's settlement "
            "over employees viewing private videos.",
        ),
    ),
    (
        "worldcoin-kenya",
        (
            "Kenya suspends Worldcoin iris scanning",
            "Kenya's interior ministry ordered Worldcoin to stop enrolling people by scanning their irises until "
            "authorities assess the privacy risks.",
        ),
        (
            "Worldcoin halted in Kenya over data concerns",
            "Kenyan authorities suspended Worldcoin's iris-scanning sign-ups in Nairobi after long queues formed "
            "for its crypto tokens.",
        ),
        (
            "Kenyan government orders Worldcoin to stop eye scans",
            "Interior minister Kithure Kindiki said Worldcoin's activities in Kenya are suspended pending "
            "investigation.",
        ),
        (
            "Kenyan police raid Worldcoin warehouse in Nairobi",
            "Police in Nairobi seized Worldcoin equipment days after Kenya suspended its iris-scanning operations.",
        ),
    ),
    (
        "dhs-hart",
        (
            "DHS biometric database HART faces $1 billion cost overrun",
            "The Government Accountability Office said the Department of Homeland Security's HART biometric "
            "system is years late and $1 billion over budget.",
        ),
        (
            "GAO: Homeland Security's HART is late and over budget",
            "HART, the DHS database meant to hold fingerprints and face images of hundreds of millions, has run "
            "$1 billion over its planned cost, the GAO found.",
        ),
        (
            "HART biometric system costs DHS an extra $1bn",
            "Auditors at the GAO said DHS mismanaged the HART database for biometrics of travellers and immigrants.",
        ),
        (
            "Congress freezes funding for DHS HART database",
            "Appropriators withheld money for the HART biometric system until DHS answers the GAO's findings on "
            "cost overruns.",
        ),
    ),
    (
        "zoom-ai-terms",
        (
            "Zoom changes terms after backlash over AI training on calls",
            "Zoom updated its terms of service to say it will not use customers' audio, video or chat to train AI "
            "models without consent, after users objected.",
        ),
        (
            "Zoom promises not to train AI on calls without consent",
            "After criticism of a clause in its terms, Zoom said customer content will not be used to train its "
            "AI models.",
        ),
        (
            "Backlash forces Zoom to rewrite AI clause",
            "Zoom revised its terms of service to rule out AI training on customer calls, following complaints "
            "from users and privacy lawyers.",
        ),
        (
            "Zoom sued over AI training clause in its terms",
            "A class action filed in California says Zoom's terms allowed AI training on customer data before "
            "last week's change.",
        ),
    ),
    (
        "sf-police-robots",
        (
            "San Francisco reverses vote on police killer robots",
            "San Francisco supervisors voted to bar police from using robots with lethal force, a week after "
            "approving the policy.",
        ),
        (
            "SF supervisors ban lethal police robots after outcry",
            "The San Francisco Board of Supervisors reversed its earlier vote allowing the police department to "
            "deploy robots that can kill.",
        ),
        (
            "San Francisco police will not get robots that can use deadly force",
            "After protests, San Francisco's supervisors sent the lethal robot policy back to committee and "
            "banned the use for now.",
        ),
        (
            "San Francisco police chief defends lethal robot plan after ban",
            "San Francisco's police chief said robots able to use deadly force would only be sent in rare "
            "emergencies, days after supervisors banned them.",
        ),
    ),
    (
        "clearview-uk-fine",
        (
            "UK watchdog fines Clearview AI £7.5 million",
            "The Information Commissioner's Office fined Clearview AI £7.5 million and ordered it to delete data "
            "of UK residents from its facial recognition database.",
        ),
        (
            "Clearview AI must delete Britons' faces, ICO rules",
            "The ICO said Clearview AI collected images of people in the UK without their knowledge and fined it "
            "£7.5 million.",
        ),
        (
            "£7.5m fine for Clearview AI in the UK",
            "Britain's Information Commissioner's Office penalised Clearview AI for scraping UK faces from social "
            "media.",
        ),
        (
            "Clearview AI wins appeal against £7.5m UK fine",
            "A tribunal ruled the ICO had no jurisdiction to fine Clearview AI £7.5 million, overturning the penalty.",
        ),
    ),
    (
        "hollywood-ai-strike",
        (
            "SAG-AFTRA video game actors strike over AI protections",
            "Video game performers in SAG-AFTRA went on strike against major game studios after talks over "
            "protections from AI voice cloning broke down.",
        ),
        (
            "Video game voice actors walk out over AI",
            "SAG-AFTRA called a strike of video game performers, saying studios refused to agree to consent and "
            "pay rules for AI replicas.",
        ),
        (
            "Game performers' union strikes against studios over AI replicas",
            "Members of SAG-AFTRA who work in video games stopped work after 18 months of talks over artificial "
            "intelligence.",
        ),
        (
            "SAG-AFTRA reaches deal to end video game strike",
            "SAG-AFTRA's video game performers will return to work under a deal with AI consent protections, the "
            "union said.",
        ),
    ),
    (
        "india-aadhaar-leak",
        (
            "Data of 815 million Indians from ICMR leaked online",
            "Personal data of 815 million Indian citizens, including Aadhaar numbers, taken from the Indian "
            "Council of Medical Research, was offered for sale on a hacking forum.",
        ),
        (
            "ICMR breach exposes Aadhaar details of 815m people",
            "A seller on a dark web forum claimed to hold Aadhaar and passport records of 815 million Indians "
            "from the ICMR's Covid testing database.",
        ),
        (
            "815 million Indian records for sale after ICMR hack",
            "India's Covid testing data held by the ICMR appears to have leaked, exposing names, phone numbers "
            "and Aadhaar numbers.",
        ),
        (
            "Delhi police arrest four over ICMR data leak",
            "Delhi police said four people were arrested in connection with the leak of 815 million records from "
            "the ICMR.",
        ),
    ),
    (
        "eu-ai-act-vote",
        (
            "European Parliament approves AI Act",
            "Members of the European Parliament voted 523 to 46 to adopt the AI Act, the first comprehensive law "
            "on artificial intelligence, which bans some uses of facial recognition.",
        ),
        (
            "MEPs pass the EU's Artificial Intelligence Act",
            "The European Parliament adopted the AI Act with 523 votes in favour, setting rules for high-risk AI "
            "and limits on biometric surveillance.",
        ),
        (
            "EU AI Act clears Parliament by 523 votes to 46",
            "The European Parliament's vote on the AI Act restricts real-time facial recognition by police and "
            "bans social scoring.",
        ),
        (
            "EU AI Act enters into force",
            "The AI Act approved by the European Parliament in March was published in the Official Journal and "
            "enters into force in 20 days.",
        ),
    ),
    (
        "instacart-shoppers",
        (
            "Instacart shoppers strike over tipping change",
            "Instacart shoppers across the US refused orders on Friday to protest a change that defaults the tip "
            "to 5%, the Gig Workers Collective said.",
        ),
        (
            "Gig Workers Collective calls Instacart strike over 5% default tip",
            "Shoppers for Instacart say the new 5% default tip will cut their pay; the Gig Workers Collective is "
            "asking them to stay offline.",
        ),
        (
            "Instacart workers walk off the job over lower default tips",
            "A nationwide strike by Instacart shoppers began after the company lowered the default tip setting to 5%.",
        ),
        (
            "Instacart restores 10% default tip after strike",
            "Instacart said it will bring back the 10% default tip, a week after shoppers struck over the change "
            "to 5%.",
        ),
    ),
]
